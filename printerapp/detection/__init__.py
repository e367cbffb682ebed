"""Device detection: udev, mDNS and the CUPS backends feed one device list.

* :mod:`.udev_monitor` / :mod:`.udev_map` -- hot-plug events (pyudev thread, pure mapping);
* :mod:`.mdns_monitor` / :mod:`.mdns_txt` -- DNS-SD printers (python-zeroconf, pure mapping);
* :mod:`.deviced` / :mod:`.backendline` -- CUPS backends in discovery mode, exact selection;
* :mod:`.signals` -- pending-signal counters, debounced, reached only via call_soon_threadsafe;
* :mod:`.devicelist` -- scoped diffs and duplicate collapse (USB > network > SNMP);
* :mod:`.detector` -- the main loop; :mod:`.records` / :mod:`.config` -- its records and settings.

``printerapp devices`` is :mod:`printerapp.cli.devices`.
"""

"""``printerapp server``: the daemon, and the one place that puts every part together.

* :mod:`.daemon` -- detection, queues, power and the web surface in one loop;
* :mod:`.settings` -- ``[server]`` and ``[printers]``;
* :mod:`.power` -- plugs for the queues (their environment, the Get-Jobs watch);
* :mod:`.demo` -- ``--demo``'s simulated network printer.
"""

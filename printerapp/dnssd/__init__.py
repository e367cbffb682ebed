"""DNS-SD announcements of our queues, through the host's avahi-daemon.

* :mod:`.avahi` -- entry groups over D-Bus (jeepney): services, subtypes, TXT updates;
* :mod:`.txt` -- the TXT record AirPrint, Mopria and IPP Everywhere clients read (pure).
"""

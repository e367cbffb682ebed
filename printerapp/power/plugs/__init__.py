"""Smart-plug drivers, one per file, chosen from the table in :mod:`.base`.

* :mod:`.base` -- the abstract base, its records and the driver table;
* :mod:`.kasa` / :mod:`.tapo` (python-kasa), :mod:`.shelly` / :mod:`.tasmota`
  (over :mod:`.httpplug`), :mod:`.command`;
* :mod:`.specs` / :mod:`.credentials` -- plug tables of the configuration, logins;
* :mod:`.retry` -- the one retry policy; :mod:`.discover` -- Kasa/Tapo discovery.
"""

"""The queues: one supervised ippeveprinter per printer, kept across restarts.

* :mod:`.system` -- the Manager: device changes in, queues out, a read-only view for others;
* :mod:`.runner` / :mod:`.settings` -- running the queues of the records; the configuration;
* :mod:`.queue` / :mod:`.ippeve` -- one ippeveprinter: argv, readiness, crashes, adoption;
* :mod:`.front` / :mod:`.frontproxy` / :mod:`.overlay` -- the daemon's listener on each
  queue's port, the relay to its ippeveprinter, and what it adds to the answers;
* :mod:`.ports` / :mod:`.procfs` / :mod:`.adopt` -- race-free ports, orphans after a crash;
* :mod:`.drivers` / :mod:`.driver_worker` -- the driver database, asked per hot-plug;
* :mod:`.naming` / :mod:`.state` -- safe queue names, ``state.json``;
* :mod:`.resubmit` -- kept jobs go back to their queue.

The daemon that drives it is :mod:`printerapp.server`.
"""

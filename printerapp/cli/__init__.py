"""The ``printerapp`` command line: one module per subcommand, as in PAPPL.

:mod:`.main` holds the table of subcommands; :mod:`.client` is the client of
a running server's control API, which ``printers``, ``add``, ``delete``,
``devices`` and ``plugs hold`` use.  Nothing below this package imports it.
"""

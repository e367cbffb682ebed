"""The one HTTP surface: control API, dashboard, events and security.

* :mod:`.control` -- the control API's application (printers, devices);
* :mod:`.app` -- puts the dashboard, its routes, events and security on it;
* :mod:`.api` / :mod:`.dashboard` / :mod:`.events` -- JSON routes, the page, server-sent events;
* :mod:`.view` / :mod:`.power` / :mod:`.testpage` / :mod:`.chart` -- what the pages show and do;
* :mod:`.printer_api` / :mod:`.printer_page` -- one printer: its JSON route, job actions, page;
* :mod:`.jobs` / :mod:`.kept` -- the queue's jobs and state over IPP; documents kept for reprints;
* :mod:`.http` -- the one error-to-status table, JSON reader and text check;
* :mod:`.security` -- Host, token, CSRF and Origin checks;
* :mod:`.guard` -- the listening socket: connection caps, header deadline, size limits;
* :mod:`.ratelog` -- log lines a client can cause, at a bounded rate.
"""

"""The job runner: what ippeveprinter runs (``-c``) for each job.

* :mod:`.main` -- ``printerapp-ippprint FILE``: the job's environment in, exit status out;
* :mod:`.plan` -- the document's type and chain, from the MIME database (:mod:`printerapp.mime`);
* :mod:`.options` -- IPP job attributes to CUPS options, against the PPD;
* :mod:`.pipeline` / :mod:`.procs` -- filters piped into the backend, supervised;
* :mod:`.backend` -- the backend program and argv; :mod:`.security` -- which programs may run.
"""

"""PPD files and the driver database.

* :mod:`.ppdfile` / :mod:`.ppdscan` / :mod:`.options` -- reading PPDs;
* :mod:`.sources` / :mod:`.programs` / :mod:`.drvfiles` / :mod:`.listline` -- where PPDs come
  from: files, driver programs, ``.drv`` files compiled by ppdc;
* :mod:`.index` / :mod:`.cache` -- the index, cached per source;
* :mod:`.match` / :mod:`.rank` / :mod:`.respell` -- cups-driverd's ranking, and respelled IDs;
* :mod:`.install` / :mod:`.settings` -- the chosen PPD copied out, ``[drivers]``.
"""

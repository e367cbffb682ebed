"""CUPS's MIME database and filter chains, as cupsd and cupsfilter compute them.

* :mod:`.types` / :mod:`.builder` / :mod:`.rules` / :mod:`.regex` -- ``.types`` files and rules;
* :mod:`.match` -- typing a document with those rules;
* :mod:`.convs` -- ``.convs`` lines and the PPD's ``cupsFilter``/``cupsFilter2``;
* :mod:`.database` / :mod:`.cache` -- the database, cached by its sources' fingerprint;
* :mod:`.chain` -- the cheapest chain, chosen as CUPS chooses it;
* :mod:`.records` -- the frozen records between them.
"""

"""The IPP client: requests to our own queues (ippeveprinter) and to a CUPS server.

* :mod:`.request` -- Print-Job on the wire, for resubmitted jobs and test pages;
* :mod:`.client` -- sending requests, Get-Jobs and the others; failures are ``IppError``;
* :mod:`.answer` -- decoding a response into the dicts the consumers read;
* :mod:`.attrs` -- encoding attributes, splitting a message into groups;
* :mod:`.keywords` -- the IPP enums that arrive by keyword;
* :mod:`.peek` -- requests passing by: HTTP/1.1 framing and the IPP request header.
"""

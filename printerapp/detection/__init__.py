"""Device detection (udev, mDNS, CUPS backends in discovery mode).

Not implemented yet: see the detection issue.  Nothing here pretends to work.
"""

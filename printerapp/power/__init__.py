"""Smart-plug drivers, the power-on hook and idle power-off.

Not implemented yet: see the power issue.  Nothing here pretends to work.
"""

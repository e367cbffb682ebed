"""The main loop and one supervised ippeveprinter per printer.

Not implemented yet: see the manager issue.  Nothing here pretends to work.
"""

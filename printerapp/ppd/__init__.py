"""PPD files: reading their headers (and, later, the driver database)."""

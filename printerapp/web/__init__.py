"""The web dashboard, its JSON routes, server-sent events and the control server's security."""

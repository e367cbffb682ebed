"""The job path: MIME typing, CUPS filter chains, filters and the backend."""

"""Pictures of a program and of a run: ``camp graph`` and the HTML run report."""

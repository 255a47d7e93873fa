"""Camp static checker."""

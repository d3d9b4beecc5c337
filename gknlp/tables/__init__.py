"""Template-driven extraction of the three standard tables and their accounting checks."""

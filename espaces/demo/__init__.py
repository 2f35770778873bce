"""Demo content built through the application's services (``seed_demo``). Demo only."""

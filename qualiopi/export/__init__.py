"""The Qualiopi evidence export: the contract its providers follow (``pieces``), the providers
by subject, and the ZIP writer."""

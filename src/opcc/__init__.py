"""Commissioning finance warehouse for Offices of Police and Crime Commissioners."""

__version__ = "0.1.0"

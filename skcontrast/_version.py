"""The package version, on the ground floor: modules that record it import it from here."""

__version__ = "0.1.0.dev0"

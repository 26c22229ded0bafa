"""tocsin: conflict news in, evidence out."""
__version__ = "0.1.0"

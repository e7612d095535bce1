"""Running student code in a separate, limited process; only plain data comes back."""

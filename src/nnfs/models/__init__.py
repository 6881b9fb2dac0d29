"""Complete models built from the package's layers."""

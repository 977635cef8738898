"""Single sign-on through Logto: verified JWT access tokens linked to accounts by `sub`."""

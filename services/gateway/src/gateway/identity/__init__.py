"""Who is calling: the credential on a request, checked by auth, cached briefly."""

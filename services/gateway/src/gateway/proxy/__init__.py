"""`/v1/admin/*`: authenticate, sign the identity, forward to the owning service, stream back."""

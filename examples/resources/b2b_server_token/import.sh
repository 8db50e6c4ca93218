# A server token is imported by its numeric id, as GET /backend/tokens lists it.
# Importing needs the provider's auth_token (or B2B_AUTH_TOKEN).
terraform import b2b_server_token.ci 123

# A server token is imported by its numeric id, as GET /backend/tokens lists it (the
# b2b_server_tokens data source shows the ids). Importing needs a credential of the store:
# the provider's auth_token (B2B_AUTH_TOKEN) or access_token (BIGCOMMERCE_ACCESS_TOKEN).
terraform import b2b_server_token.ci 123

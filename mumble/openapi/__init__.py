"""The API description: the OpenAPI 3.1 document (built from the mounted routes) and /docs.

`spec` holds the shared building blocks, one module per domain describes its endpoints,
`document` assembles them by walking the app's routes, `routes` serves /openapi.json and /docs.
"""

"""citegraph's domain core: models, ingest, text features, edges, analysis, stores."""

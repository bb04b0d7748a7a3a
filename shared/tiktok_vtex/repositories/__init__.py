"""Data-access layer: one module per DynamoDB table, typed models in and out."""

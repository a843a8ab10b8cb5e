"""Text and photo models (scikit-learn). Imports nothing of the service.

Filled by the classifier issue (#4).
"""

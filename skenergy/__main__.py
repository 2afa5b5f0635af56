"""The tour: ``python -m skenergy`` fits each model on scikit-learn's digits and says what it did."""

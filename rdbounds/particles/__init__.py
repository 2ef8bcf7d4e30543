"""Wasserstein gradient descent on particles: achievable R-D points and the BA form of u."""

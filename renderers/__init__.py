"""Differentiable stroke/blob rendering, SVG export and print-resolution rasterization."""

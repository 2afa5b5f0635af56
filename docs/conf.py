"""Sphinx configuration: numpydoc API pages, a sphinx-gallery of examples, the PyData theme.

The build is offline: no intersphinx inventories are fetched.
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import skenergy  # noqa: E402

project = "skenergy"
author = "the skenergy developers"
copyright = "2026, the skenergy developers"
release = version = skenergy.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax copied into the site: math renders offline
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# Inherited methods (fit_transform, get_params, set_output, a shared mixin's
# predict) are documented on each estimator's page, as scikit-learn's own are:
# the page's method table lists them, and each row must lead somewhere.
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Methods scikit-learn adds to every estimator (metadata-routing requests, the
# mixins' score) carry docstrings that point into scikit-learn's own glossary and
# labels, which an offline build without intersphinx cannot resolve.
suppress_warnings = ["ref.term", "ref.ref"]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py.md5"]

html_theme = "pydata_sphinx_theme"
html_title = f"skenergy {version}"
html_theme_options = {"navigation_with_keys": False, "show_prev_next": False}
html_static_path = ["_static"]
html_css_files = ["skenergy.css"]
# The contents list of an API page names methods without their class
# ("fit()", not "RestrictedBM.fit()"), so that it fits its column.
toc_object_entries_show_parents = "hide"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "capture_repr": (),  # show what the stories print and draw, not their last value
    # "Examples using X" on each API page: the stories that call it.
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skenergy",),
}

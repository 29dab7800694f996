"""The visual demo server (``ecosim viz``): a Solara page built on Mesa's SolaraViz.

``factory`` builds the model from a scenario file and the page's controls, ``network``
chooses and lays out the part of the collaboration graph that is drawn, ``plots`` draws the
matplotlib figures and ``app`` assembles the page. Nothing here is imported by the model.
"""

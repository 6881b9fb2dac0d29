// MathJax 3 configuration. MathJax itself is served from this site (copied into site/mathjax by
// hooks/mathjax_offline.py), so math renders with no request leaving the site.
//
// Only two kinds of element are typeset:
//   .arithmatex          math from Markdown pages and docstrings (pymdownx.arithmatex, generic
//                        mode, which writes \( \) and \[ \]);
//   .jp-RenderedMarkdown the Markdown cells of the labs, where authors write $ $ and $$ $$.
// Restricting the initial typeset to these elements is what lets `$` be a delimiter in the labs
// without turning a stray dollar sign in prose, navigation or search results into math.
// No document$ hook (Material's instant navigation is off): clearing MathJax's cache on page
// change blanks the glyphs of a locally served MathJax.
window.MathJax = {
  tex: {
    inlineMath: [
      ["\\(", "\\)"],
      ["$", "$"],
    ],
    displayMath: [
      ["\\[", "\\]"],
      ["$$", "$$"],
    ],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: "tex2jax_ignore",
  },
  startup: {
    elements: [".arithmatex", ".jp-RenderedMarkdown"],
  },
};

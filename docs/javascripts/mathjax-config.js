// MathJax 3 configuration for pymdownx.arithmatex (generic mode), served from this site.
// Only elements with these classes are typeset: arithmatex spans from Markdown pages and the
// rendered Markdown cells of lab notebooks. No document$ hook: clearing MathJax's cache on
// Material's instant navigation blanks the glyphs of a locally served MathJax.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: "tex2jax_ignore",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown|jp-MarkdownOutput",
  },
};

/* graphe — what the query page knows about SPARQL and RDF terms, without touching the page.
 *
 * Kept apart from query.js (the page itself) so that it runs unchanged in the browser and under
 * node: tests/test_query_page.py feeds it every queries/*.rq of the project and checks that the
 * highlighter gives the text back untouched, that each query's form is recognised, and that the
 * server's error messages yield a line and column. Nothing here fetches anything.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.GrapheSparql = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // SPARQL 1.1 keywords (grammar §19.8, case-insensitive) and built-in function names.
  var KEYWORDS = (
    "base prefix select construct describe ask where from named distinct reduced as order by asc desc " +
    "limit offset values optional graph union minus filter bind service silent not exists in group " +
    "having undef a load clear drop create add move copy insert delete data with using default all " +
    "into to"
  ).split(" ");
  var FUNCTIONS = (
    "str lang langmatches datatype bound iri uri bnode rand abs ceil floor round concat strlen ucase " +
    "lcase encode_for_uri contains strstarts strends strbefore strafter year month day hours minutes " +
    "seconds timezone tz now uuid struuid md5 sha1 sha256 sha384 sha512 coalesce if strlang strdt " +
    "sameterm isiri isuri isblank isliteral isnumeric regex substr replace count sum min max avg " +
    "sample group_concat separator"
  ).split(" ");
  var UPDATE_FORMS = ["insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"];

  function toSet(list) {
    var set = Object.create(null);
    list.forEach(function (w) { set[w] = true; });
    return set;
  }
  var KEYWORD_SET = toSet(KEYWORDS);
  var FUNCTION_SET = toSet(FUNCTIONS);

  // Name characters of the grammar (PN_CHARS_BASE and friends), approximated to the BMP.
  var NC = "A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF" +
    "\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD";
  var NCU = NC + "_";
  var NCX = NCU + "\\-0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040";
  var PLX = "%[0-9A-Fa-f]{2}|\\\\[_~.\\-!$&'()*+,;=/?#@%]";

  // Order matters: the first rule that matches at the current position wins.
  var RULES = [
    ["ws", /\s+/y],
    ["comment", /#[^\n\r]*/y],
    ["iri", /<[^<>"{}|^`\\\s]*>/y],
    ["string", /"""(?:[^"\\]|\\[\s\S]|"(?!""))*(?:"""|$)/y],
    ["string", /'''(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'''|$)/y],
    ["string", /"(?:[^"\\\n\r]|\\.)*(?:"|$|(?=[\n\r]))/y],
    ["string", /'(?:[^'\\\n\r]|\\.)*(?:'|$|(?=[\n\r]))/y],
    ["lang", /@[A-Za-z]+(?:-[A-Za-z0-9]+)*/y],
    ["var", new RegExp("[?$][" + NCU + "0-9][" + NCU + "0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*", "y")],
    ["bnode", new RegExp("_:[" + NCU + "0-9](?:[" + NCX + ".]*[" + NCX + "])?", "y")],
    ["pname", new RegExp(
      "(?:[" + NC + "](?:[" + NCX + ".]*[" + NCX + "])?)?:" +
      "(?:(?:[" + NCU + ":0-9]|" + PLX + ")(?:(?:[" + NCX + ".:]|" + PLX + ")*(?:[" + NCX + ":]|" + PLX + "))?)?", "y")],
    ["number", /(?:\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)/y],
    ["word", /[A-Za-z_][A-Za-z0-9_]*/y],
    ["punct", /\^\^|&&|\|\||!=|<=|>=|[\s\S]/y]
  ];

  /**
   * Split SPARQL text into tokens {type, text, start}. Joining the texts gives the input back,
   * whatever the input (unterminated strings and stray characters included).
   * Types: ws comment iri string lang var bnode pname number keyword function boolean word punct.
   */
  function tokenize(text) {
    var tokens = [];
    var pos = 0;
    while (pos < text.length) {
      for (var i = 0; i < RULES.length; i++) {
        var re = RULES[i][1];
        re.lastIndex = pos;
        var m = re.exec(text);
        if (m && m[0].length > 0) {
          var type = RULES[i][0];
          var word = m[0].toLowerCase();
          if (type === "word") {
            if (word === "true" || word === "false") type = "boolean";
            else if (KEYWORD_SET[word]) type = "keyword";
            else if (FUNCTION_SET[word]) type = "function";
          }
          tokens.push({ type: type, text: m[0], start: pos });
          pos += m[0].length;
          break;
        }
      }
    }
    return tokens;
  }

  /** The query form: "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "UPDATE", or null if unknown. */
  function queryForm(text) {
    var tokens = tokenize(text).filter(function (t) {
      return t.type !== "ws" && t.type !== "comment";
    });
    for (var i = 0; i < tokens.length; i++) {
      var t = tokens[i];
      var w = t.text.toLowerCase();
      if (t.type === "keyword" && w === "prefix") { i += 2; continue; } // PREFIX p: <ns>
      if (t.type === "keyword" && w === "base") { i += 1; continue; } // BASE <iri>
      if (t.type !== "keyword") return null;
      if (w === "select" || w === "ask" || w === "construct" || w === "describe") return w.toUpperCase();
      if (UPDATE_FORMS.indexOf(w) >= 0) return "UPDATE";
      return null;
    }
    return null;
  }

  /** Whether the query's answer is a table (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE). */
  function resultKind(form) {
    if (form === "CONSTRUCT" || form === "DESCRIBE") return "graph";
    return "table";
  }

  /** The prefixes a query declares, {prefix: namespace}. */
  function declaredPrefixes(text) {
    var tokens = tokenize(text).filter(function (t) {
      return t.type !== "ws" && t.type !== "comment";
    });
    var found = {};
    for (var i = 0; i + 2 < tokens.length; i++) {
      if (tokens[i].type === "keyword" && tokens[i].text.toLowerCase() === "prefix" &&
          tokens[i + 1].type === "pname" && tokens[i + 2].type === "iri") {
        found[tokens[i + 1].text.replace(/:$/, "")] = tokens[i + 2].text.slice(1, -1);
      }
    }
    return found;
  }

  /** PREFIX lines for the table {prefix: namespace}, in its order. */
  function prologue(prefixes) {
    return Object.keys(prefixes).map(function (p) {
      return "PREFIX " + p + ": <" + prefixes[p] + ">\n";
    }).join("");
  }

  /** Offset in `text` of 1-based (line, column); clamped to the text. */
  function offsetOf(text, line, column) {
    var offset = 0;
    for (var l = 1; l < line; l++) {
      var nl = text.indexOf("\n", offset);
      if (nl < 0) return text.length;
      offset = nl + 1;
    }
    var end = text.indexOf("\n", offset);
    if (end < 0) end = text.length;
    return Math.min(offset + Math.max(column - 1, 0), end);
  }

  /** 1-based {line, column} of an offset in `text`. */
  function lineColumn(text, offset) {
    var before = text.slice(0, offset);
    var line = before.split("\n").length;
    return { line: line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
  }

  /**
   * Where a parser's message places the error, as {line, column, offset}, or null.
   * Understands Oxigraph ("error at 3:28"), rdflib/pyparsing ("(at char 44), (line:3, col:13)"),
   * French messages ("ligne 3, colonne 13") and a JSON body's line/column/offset fields.
   */
  function errorPosition(message, text, body) {
    var line = null, column = null, offset = null, m;
    if (body && typeof body === "object") {
      if (Number.isInteger(body.line)) line = body.line;
      if (Number.isInteger(body.column)) column = body.column;
      if (Number.isInteger(body.offset)) offset = body.offset;
      else if (Number.isInteger(body.position)) offset = body.position;
    }
    message = String(message || "");
    if (line === null && offset === null) {
      if ((m = /\bline\s*:?\s*(\d+)\s*[,;]?\s*col(?:umn)?\s*:?\s*(\d+)/i.exec(message)) ||
          (m = /\bligne\s*:?\s*(\d+)\s*[,;]?\s*colonne\s*:?\s*(\d+)/i.exec(message)) ||
          (m = /\b(?:at|à|en)\s+(\d+):(\d+)\b/i.exec(message))) {
        line = parseInt(m[1], 10);
        column = parseInt(m[2], 10);
      } else if ((m = /\b(?:char(?:acter)?|caractère|position|offset)\s*:?\s*(\d+)/i.exec(message))) {
        offset = parseInt(m[1], 10);
      }
    }
    if (line === null && offset === null) return null;
    text = String(text || "");
    if (offset === null) offset = offsetOf(text, line, column === null ? 1 : column);
    offset = Math.max(0, Math.min(offset, text.length));
    var lc = lineColumn(text, offset);
    return { line: line === null ? lc.line : line, column: column === null ? lc.column : column, offset: offset };
  }

  /** The shortest prefixed name for an IRI with the table {prefix: namespace}, or null. */
  function compact(iri, prefixes) {
    var best = null, bestLen = 0;
    Object.keys(prefixes || {}).forEach(function (p) {
      var ns = prefixes[p];
      if (ns && iri.length > ns.length && iri.indexOf(ns) === 0 && ns.length > bestLen) {
        var local = iri.slice(ns.length);
        if (/^[A-Za-z0-9_\u00C0-\uFFFF](?:[A-Za-z0-9_\-.\u00B7\u00C0-\uFFFF]*[A-Za-z0-9_\-\u00B7\u00C0-\uFFFF])?$/.test(local)) {
          best = p + ":" + local;
          bestLen = ns.length;
        }
      }
    });
    return best;
  }

  /**
   * Where a browser should go for an IRI: the graph's own resources (…/id/{type}/{slug}, under
   * a namespace of the table) are served by this server at /id/{type}/{slug}; any other IRI
   * links to itself.
   */
  function linkFor(iri, prefixes) {
    var keys = Object.keys(prefixes || {});
    for (var i = 0; i < keys.length; i++) {
      var ns = prefixes[keys[i]];
      var at = ns.indexOf("/id/");
      if (at > 0 && iri.indexOf(ns) === 0) return iri.slice(at);
    }
    return iri;
  }

  // ---- N-Triples (W3C RDF 1.1 N-Triples), for showing CONSTRUCT / DESCRIBE answers as a table.

  var ECHAR = { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f", '"': '"', "'": "'", "\\": "\\" };

  function unescapeNT(s) {
    return s.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf"'\\]))/g, function (_, u4, u8, e) {
      if (u4) return String.fromCharCode(parseInt(u4, 16));
      if (u8) return String.fromCodePoint(parseInt(u8, 16));
      return ECHAR[e];
    });
  }

  var NT_TERM = /\s*(?:<([^>]*)>|_:(\S+?)(?=[\s.<"])|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<([^>]*)>)?)/y;

  /**
   * Parse N-Triples into [[s, p, o], …] where each term is a SPARQL JSON results term
   * ({type: "uri"|"bnode"|"literal", value, "xml:lang"?, datatype?}). Throws on a bad line.
   */
  function parseNTriples(text) {
    var triples = [];
    String(text).split(/\r?\n/).forEach(function (line, n) {
      var trimmed = line.trim();
      if (!trimmed || trimmed.charAt(0) === "#") return;
      var terms = [];
      var pos = 0;
      for (var k = 0; k < 3; k++) {
        NT_TERM.lastIndex = pos;
        var m = NT_TERM.exec(line);
        if (!m) throw new Error("N-Triples illisible à la ligne " + (n + 1));
        pos = NT_TERM.lastIndex;
        if (m[1] !== undefined) terms.push({ type: "uri", value: unescapeNT(m[1]) });
        else if (m[2] !== undefined) terms.push({ type: "bnode", value: m[2] });
        else {
          var lit = { type: "literal", value: unescapeNT(m[3]) };
          if (m[4]) lit["xml:lang"] = m[4];
          if (m[5]) lit.datatype = unescapeNT(m[5]);
          terms.push(lit);
        }
      }
      if (!/^\s*\.\s*(?:#.*)?$/.test(line.slice(pos))) {
        throw new Error("N-Triples illisible à la ligne " + (n + 1));
      }
      triples.push(terms);
    });
    return triples;
  }

  // ---- URLs of the protocol.

  /** Download formats per kind of answer: `format` is the value of the endpoint's format= parameter. */
  var DOWNLOADS = {
    table: [
      { label: "CSV", format: "csv", ext: "csv" },
      { label: "TSV", format: "tsv", ext: "tsv" },
      { label: "JSON", format: "json", ext: "srj" },
      { label: "XML", format: "xml", ext: "srx" }
    ],
    graph: [
      { label: "Turtle", format: "turtle", ext: "ttl" },
      { label: "N-Triples", format: "ntriples", ext: "nt" },
      { label: "JSON-LD", format: "jsonld", ext: "jsonld" },
      { label: "RDF/XML", format: "rdfxml", ext: "rdf" }
    ],
    // a named query's answer (/queries/{name}?format=…)
    named: [
      { label: "CSV", format: "csv", ext: "csv" },
      { label: "JSON", format: "json", ext: "json" },
      { label: "Tableau HTML", format: "html", ext: "html" }
    ]
  };

  /** What the page asks the endpoint for: solutions as JSON, graphs as N-Triples (to tabulate). */
  var ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9";

  /** `base?k=v&…` with each value percent-encoded (pairs whose value is null/undefined are left out). */
  function withParams(base, params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v === null || v === undefined) return;
      parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    if (!parts.length) return base;
    return base + (base.indexOf("?") >= 0 ? "&" : "?") + parts.join("&");
  }

  /** The GET URL of a query on the endpoint, optionally with format= (download links). */
  function queryURL(endpoint, query, format) {
    return withParams(endpoint, { query: query, format: format });
  }

  return {
    KEYWORDS: KEYWORDS,
    FUNCTIONS: FUNCTIONS,
    DOWNLOADS: DOWNLOADS,
    ACCEPT: ACCEPT,
    tokenize: tokenize,
    queryForm: queryForm,
    resultKind: resultKind,
    declaredPrefixes: declaredPrefixes,
    prologue: prologue,
    offsetOf: offsetOf,
    lineColumn: lineColumn,
    errorPosition: errorPosition,
    compact: compact,
    linkFor: linkFor,
    parseNTriples: parseNTriples,
    withParams: withParams,
    queryURL: queryURL
  };
});

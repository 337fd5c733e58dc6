/* graphe — the query page: editor, examples, results, downloads, permalinks, errors.
 *
 * Plain browser JavaScript, no framework and nothing fetched from elsewhere: the page must work
 * on a machine with no network. It talks only to this server: the prefix table (/prefixes), the
 * named queries (/queries, /queries/{name}) and the SPARQL endpoint (/sparql). The SPARQL
 * knowledge (tokens, query form, error positions, N-Triples) lives in sparql.js.
 */
(function () {
  "use strict";

  var S = window.GrapheSparql;
  var body = document.body;
  var ENDPOINT = body.getAttribute("data-endpoint") || "/sparql";
  var QUERIES = body.getAttribute("data-queries") || "/queries";
  var PREFIXES = body.getAttribute("data-prefixes") || "/prefixes";
  var MAX_ROWS_SHOWN = 2000;
  var NUMBER = new Intl.NumberFormat("fr-FR");

  var $ = function (id) { return document.getElementById(id); };
  var editor = $("editeur");
  var highlight = $("surlignage");
  var gutter = $("marge");
  var overlay = highlight.parentNode;
  var status = $("etat");
  var errorBox = $("erreur");
  var downloads = $("telechargements");
  var permalink = $("permalien");
  var permalinkLink = $("permalien-lien");
  var results = $("table-resultats");
  var runButton = $("executer");
  var cancelButton = $("annuler");
  var exampleSelect = $("exemple");
  var exampleDescription = $("exemple-description");
  var exampleParams = $("exemple-params");
  var exampleFields = $("exemple-champs");
  var exampleRun = $("exemple-executer");
  var exampleEdit = $("exemple-editer");

  var state = {
    prefixes: {},     // {prefix: namespace}, from the server
    examples: {},     // name -> entry of /queries
    running: null,    // AbortController of the query in flight
    errorOffset: -1   // where the last parse error points, underlined in the editor
  };

  // ------------------------------------------------------------------ the editor

  function escapeHTML(s) {
    return s.replace(/[&<>]/g, function (c) { return c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"; });
  }

  /** Highlighted HTML of the editor's text; the token under a parse error is marked. */
  function renderHighlight() {
    var text = editor.value;
    var html = "";
    var marked = false;
    S.tokenize(text).forEach(function (t) {
      var cls = t.type === "ws" || t.type === "punct" || t.type === "word" ? "" : "tok-" + t.type;
      var end = t.start + t.text.length;
      // the token at the error, or the first one after it when the error points at blanks
      if (!marked && state.errorOffset >= 0 && state.errorOffset < end && t.type !== "ws") {
        cls += " tok-erreur";
        marked = true;
      }
      html += cls ? '<span class="' + cls.trim() + '">' + escapeHTML(t.text) + "</span>" : escapeHTML(t.text);
    });
    if (!marked && state.errorOffset >= 0) html += '<span class="tok-erreur"> </span>';
    // A final newline keeps the copy as tall as the textarea when the text ends with one.
    highlight.innerHTML = html + "\n";
    var lines = text.split("\n").length;
    var numbers = [];
    for (var i = 1; i <= lines; i++) numbers.push(i);
    gutter.textContent = numbers.join("\n");
    syncScroll();
  }

  function syncScroll() {
    overlay.scrollTop = editor.scrollTop;
    overlay.scrollLeft = editor.scrollLeft;
    gutter.scrollTop = editor.scrollTop;
  }

  function setQuery(text) {
    editor.value = text;
    state.errorOffset = -1;
    renderHighlight();
  }

  editor.addEventListener("input", function () {
    state.errorOffset = -1;
    renderHighlight();
  });
  editor.addEventListener("scroll", syncScroll);
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runEditor();
    }
  });
  if (window.ResizeObserver) new ResizeObserver(syncScroll).observe(editor);

  function defaultQuery() {
    return S.prologue(state.prefixes) +
      "\n# Combien de ressources de chaque classe le graphe contient-il ?\n" +
      "SELECT ?classe (COUNT(DISTINCT ?ressource) AS ?nombre)\n" +
      "WHERE {\n  ?ressource a ?classe .\n}\n" +
      "GROUP BY ?classe\nORDER BY DESC(?nombre)\n";
  }

  /** The query with the table's PREFIX lines added for the prefixes it uses but does not declare. */
  function withPrologue(text) {
    var declared = S.declaredPrefixes(text);
    var used = {};
    S.tokenize(text).forEach(function (t) {
      if (t.type === "pname") used[t.text.slice(0, t.text.indexOf(":"))] = true;
    });
    var missing = {};
    Object.keys(state.prefixes).forEach(function (p) {
      if (used[p] && !(p in declared)) missing[p] = state.prefixes[p];
    });
    return Object.keys(missing).length ? S.prologue(missing) + text : text;
  }

  // ------------------------------------------------------------------ status, errors, links

  function setStatus(text, busy) {
    status.textContent = text;
    status.classList.toggle("en-cours", !!busy);
  }

  function clearAnswer() {
    errorBox.hidden = true;
    errorBox.className = "erreur";
    errorBox.textContent = "";
    downloads.hidden = true;
    downloads.textContent = "";
    results.textContent = "";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function showDownloads(links) {
    downloads.textContent = "";
    downloads.appendChild(el("span", { text: "Télécharger :" }));
    links.forEach(function (l) {
      downloads.appendChild(el("a", {
        href: l.href,
        download: l.filename,
        "aria-label": "Télécharger les résultats en " + l.label,
        text: l.label
      }));
    });
    downloads.hidden = false;
  }

  function setPermalink(search) {
    var url = location.pathname + search;
    history.replaceState(null, "", url);
    permalinkLink.href = url;
    permalink.hidden = false;
  }

  $("permalien-copier").addEventListener("click", function () {
    var url = permalinkLink.href;
    var done = function () { setStatus("Lien permanent copié dans le presse-papiers."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, function () { window.prompt("Lien permanent :", url); });
    } else {
      window.prompt("Lien permanent :", url);
    }
  });

  /** The message of an error body: JSON {message|error|detail} or plain text. */
  function errorMessage(text, contentType) {
    var parsed = null;
    if (/json/.test(contentType || "")) {
      try { parsed = JSON.parse(text); } catch (e) { parsed = null; }
    }
    var message = text;
    if (parsed && typeof parsed === "object") {
      var m = parsed.message || parsed.error || parsed.detail;
      message = typeof m === "string" ? m : JSON.stringify(m || parsed);
    }
    return { message: String(message || "").trim(), body: parsed };
  }

  /** Show a failed answer: what happened, in French, and where in the query when known. */
  function showError(statusCode, text, contentType, query) {
    var e = errorMessage(text, contentType);
    var title, advice = null;
    if (statusCode === 0) {
      title = "Serveur injoignable";
      advice = "Vérifiez que graphe tourne toujours (graphe serve) puis réessayez.";
    } else if (statusCode === 400) {
      title = "La requête est refusée (erreur 400)";
    } else if (statusCode === 503 || statusCode === 504) {
      title = "Temps limite dépassé (erreur " + statusCode + ")";
      advice = "Le serveur a arrêté la requête. Ajoutez une clause LIMIT, restreignez les motifs " +
        "(évitez les produits cartésiens et les chemins « * » non ancrés) puis réessayez.";
      errorBox.classList.add("delai");
    } else if (statusCode === 413 || statusCode === 414) {
      title = "Requête trop volumineuse (erreur " + statusCode + ")";
      advice = "Le serveur limite la taille des requêtes ; raccourcissez-la.";
    } else if (statusCode === 406) {
      title = "Format de réponse indisponible (erreur 406)";
    } else if (statusCode === 404) {
      title = "Introuvable (erreur 404)";
    } else if (statusCode >= 500) {
      title = "Erreur du serveur (" + statusCode + ")";
    } else {
      title = "Erreur " + statusCode;
    }
    errorBox.textContent = "";
    errorBox.appendChild(el("h3", { text: title }));
    if (e.message) errorBox.appendChild(el("pre", { text: e.message }));
    if (advice) errorBox.appendChild(el("p", { text: advice }));
    var where = query && statusCode === 400 ? S.errorPosition(e.message, query, e.body) : null;
    if (where) {
      state.errorOffset = where.offset;
      renderHighlight();
      var go = el("button", { type: "button", className: "secondaire petit", text: "Aller à l'erreur" });
      go.addEventListener("click", function () {
        editor.focus();
        editor.setSelectionRange(where.offset, where.offset);
      });
      errorBox.appendChild(el("p", {}, ["Position : ligne " + where.line + ", colonne " + where.column + ". ", go]));
    }
    errorBox.hidden = false;
    setStatus(title + ".");
  }

  // ------------------------------------------------------------------ rendering answers

  /** A cell for one RDF term of SPARQL JSON results. */
  function termNode(term) {
    if (!term) return document.createTextNode("");
    if (term.type === "uri") {
      var short = S.compact(term.value, state.prefixes);
      return el("a", { href: S.linkFor(term.value, state.prefixes), title: term.value, text: short || term.value });
    }
    if (term.type === "bnode") return el("span", { className: "noeud", text: "_:" + term.value });
    if (term.type === "triple") {
      var v = term.value || {};
      return el("span", {}, ["<< ", termNode(v.subject), " ", termNode(v.predicate), " ", termNode(v.object), " >>"]);
    }
    var span = el("span", { className: "litteral" }, [term.value]);
    var lang = term["xml:lang"];
    if (lang) {
      span.setAttribute("lang", lang);
      return el("span", {}, [span, el("span", { className: "lang", title: "langue", text: "@" + lang })]);
    }
    var dt = term.datatype;
    if (dt && dt !== (state.prefixes.xsd || "") + "string") {
      var dtName = S.compact(dt, state.prefixes) || "<" + dt + ">";
      return el("span", {}, [span, el("span", { className: "type", title: dt, text: "^^" + dtName })]);
    }
    return span;
  }

  function renderTable(vars, rows, captionText) {
    var table = el("table");
    table.appendChild(el("caption", { text: captionText }));
    var head = el("tr", {}, [el("th", { scope: "col", className: "num", text: "n°" })]);
    vars.forEach(function (v) { head.appendChild(el("th", { scope: "col", text: v })); });
    table.appendChild(el("thead", {}, [head]));
    var tbody = el("tbody");
    var frag = document.createDocumentFragment();
    rows.slice(0, MAX_ROWS_SHOWN).forEach(function (row, i) {
      var tr = el("tr", {}, [el("td", { className: "num", text: String(i + 1) })]);
      vars.forEach(function (v, k) {
        tr.appendChild(el("td", {}, [termNode(Array.isArray(row) ? row[k] : row[v])]));
      });
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    table.appendChild(tbody);
    results.textContent = "";
    if (rows.length > MAX_ROWS_SHOWN) {
      results.appendChild(el("p", {
        className: "avertissement",
        text: "La page affiche les " + NUMBER.format(MAX_ROWS_SHOWN) + " premières lignes ; " +
          "téléchargez les résultats pour les avoir toutes."
      }));
    }
    results.appendChild(table);
  }

  function plural(n, one, many) { return NUMBER.format(n) + " " + (n === 1 ? one : many); }

  /** Render a successful answer; returns its kind ("table" or "graph") and the row count. */
  function renderAnswer(text, contentType, limitNote) {
    contentType = (contentType || "").toLowerCase();
    if (/sparql-results\+json|application\/json/.test(contentType)) {
      var data = JSON.parse(text);
      if (typeof data.boolean === "boolean") {
        results.textContent = "";
        results.appendChild(el("p", { className: "booleen", text: data.boolean ? "Oui (true)" : "Non (false)" }));
        return { kind: "table", count: 1, label: "réponse ASK : " + (data.boolean ? "oui" : "non") };
      }
      var vars = (data.head && data.head.vars) || [];
      var rows = (data.results && data.results.bindings) || [];
      renderTable(vars.map(function (v) { return "?" + v; }), rows.map(function (r) {
        return vars.map(function (v) { return r[v]; });
      }), "Résultats de la requête : " + plural(rows.length, "ligne", "lignes") + limitNote);
      return { kind: "table", count: rows.length, label: plural(rows.length, "ligne", "lignes") };
    }
    if (/n-triples|text\/plain/.test(contentType)) {
      var triples = S.parseNTriples(text);
      renderTable(["sujet", "prédicat", "objet"], triples,
        "Graphe construit : " + plural(triples.length, "triplet", "triplets") + limitNote);
      return { kind: "graph", count: triples.length, label: plural(triples.length, "triplet", "triplets") };
    }
    results.textContent = "";
    results.appendChild(el("pre", { className: "brut", text: text }));
    return { kind: "graph", count: null, label: "réponse reçue" };
  }

  /** The note for an answer the server cut at its row cap (X-Truncated, X-Row-Limit), or "". */
  function limitNote(headers) {
    if ((headers.get("X-Truncated") || "").toLowerCase() !== "true") return "";
    var cap = headers.get("X-Row-Limit");
    return /^\d+$/.test(cap || "") ? " (tronqué par le serveur à " + NUMBER.format(parseInt(cap, 10)) + " lignes)"
      : " (tronqué par le serveur)";
  }

  /** The server's own time for the query, from Server-Timing ("requete;dur=12.3"), or "". */
  function serverTime(headers) {
    var m = /dur=([0-9.]+)/.exec(headers.get("Server-Timing") || "");
    return m ? " (serveur : " + NUMBER.format(Math.round(parseFloat(m[1]))) + " ms)" : "";
  }

  // ------------------------------------------------------------------ running

  function startRun(label) {
    if (state.running) state.running.abort();
    state.running = new AbortController();
    clearAnswer();
    setStatus(label, true);
    runButton.disabled = true;
    exampleRun.disabled = true;
    cancelButton.disabled = false;
    return state.running;
  }

  function endRun(controller) {
    if (state.running !== controller) return; // a newer run owns the buttons now
    state.running = null;
    runButton.disabled = false;
    exampleRun.disabled = !exampleSelect.value;
    cancelButton.disabled = true;
  }

  cancelButton.addEventListener("click", function () {
    if (state.running) state.running.abort();
  });

  /**
   * Fetch one answer and show it. `request` is {url, init}; `links` builds the download links
   * for the answer's kind; `query` (editor runs) lets errors point into the text.
   */
  function fetchAndShow(request, links, query) {
    var controller = startRun("Exécution en cours…");
    var t0 = performance.now();
    request.init.signal = controller.signal;
    return fetch(request.url, request.init).then(function (resp) {
      return resp.text().then(function (text) {
        var ms = Math.round(performance.now() - t0);
        if (!resp.ok) {
          showError(resp.status, text, resp.headers.get("Content-Type"), query);
          return;
        }
        var shown;
        var cut = limitNote(resp.headers);
        try {
          shown = renderAnswer(text, resp.headers.get("Content-Type"), cut);
        } catch (e) {
          showError(502, "Réponse illisible : " + e.message, "text/plain", null);
          return;
        }
        setStatus("Terminé : " + shown.label + cut + " en " + NUMBER.format(ms) + " ms" + serverTime(resp.headers) + ".");
        showDownloads(links(shown.kind));
      });
    }).catch(function (err) {
      if (err && err.name === "AbortError") {
        setStatus(state.running === controller ? "Requête annulée." : status.textContent);
      } else {
        showError(0, "Le serveur ne répond pas (" + (err && err.message) + ").", "text/plain", null);
      }
    }).then(function () { endRun(controller); });
  }

  function runEditor() {
    var query = editor.value;
    if (!query.trim()) {
      setStatus("La requête est vide.");
      editor.focus();
      return Promise.resolve();
    }
    query = withPrologue(query);
    if (query !== editor.value) setQuery(query);
    state.errorOffset = -1;
    renderHighlight();
    setPermalink(S.withParams("", { query: query }));
    var kind = S.resultKind(S.queryForm(query));
    return fetchAndShow({
      url: ENDPOINT,
      init: {
        method: "POST",
        headers: { "Accept": S.ACCEPT, "Content-Type": "application/x-www-form-urlencoded" },
        body: S.withParams("", { query: query }).slice(1)
      }
    }, function (answered) {
      return S.DOWNLOADS[answered || kind].map(function (f) {
        return { label: f.label, href: S.queryURL(ENDPOINT, query, f.format), filename: "resultats." + f.ext };
      });
    }, query);
  }

  $("requete-form").addEventListener("submit", function (event) {
    event.preventDefault();
    runEditor();
  });

  $("nouvelle").addEventListener("click", function () {
    setQuery(defaultQuery());
    history.replaceState(null, "", location.pathname);
    permalink.hidden = true;
    editor.focus();
  });

  // ------------------------------------------------------------------ named queries

  function exampleValues() {
    var values = {};
    Array.prototype.forEach.call(exampleFields.querySelectorAll("input"), function (input) {
      if (input.value !== "") values[input.name] = input.value;
    });
    return values;
  }

  function showExample(name) {
    var entry = state.examples[name];
    exampleFields.textContent = "";
    exampleParams.hidden = true;
    exampleDescription.textContent = entry ? entry.description || "" : "";
    exampleRun.disabled = !entry;
    exampleEdit.hidden = !(entry && entry.query);
    exampleEdit.disabled = !(entry && entry.query);
    if (!entry) return;
    (entry.params || []).forEach(function (p) {
      var id = "param-" + p.name;
      var input = el("input", { id: id, name: p.name, type: p.type === "integer" ? "number" : p.type === "date" ? "date" : "text" });
      if (p.type === "integer") input.setAttribute("step", "1");
      if (p.default !== null && p.default !== undefined) input.value = p.default;
      var hint = p.type === "iri" ? "IRI ou nom préfixé" + (p.default ? " (ex. " + p.default + ")" : "") : "";
      if (!p.default) hint += (hint ? ", " : "") + "facultatif : vide, toutes les valeurs";
      var label = el("label", { "for": id }, [p.label || p.name]);
      if (hint) label.appendChild(el("span", { className: "aide", text: hint }));
      label.appendChild(input);
      exampleFields.appendChild(label);
    });
    exampleParams.hidden = !(entry.params || []).length;
  }

  function runExample(scroll) {
    var name = exampleSelect.value;
    if (!state.examples[name]) return Promise.resolve();
    var values = exampleValues();
    var base = QUERIES + "/" + encodeURIComponent(name);
    var search = S.withParams("?exemple=" + encodeURIComponent(name), values);
    setPermalink(search);
    var withFormat = function (format) {
      var all = {};
      Object.keys(values).forEach(function (k) { all[k] = values[k]; });
      all.format = format;
      return S.withParams(base, all);
    };
    if (scroll) $("resultats").scrollIntoView({ block: "start" });
    return fetchAndShow({
      url: withFormat("json"),
      init: { method: "GET", headers: { "Accept": "application/sparql-results+json" } }
    }, function () {
      return S.DOWNLOADS.named.map(function (f) {
        return { label: f.label, href: withFormat(f.format), filename: name + "." + f.ext };
      });
    }, null);
  }

  exampleSelect.addEventListener("change", function () { showExample(exampleSelect.value); });
  $("exemple-form").addEventListener("submit", function (event) {
    event.preventDefault();
    runExample(true);
  });
  exampleEdit.addEventListener("click", function () {
    var entry = state.examples[exampleSelect.value];
    if (!entry || !entry.query) return;
    setQuery(withPrologue(entry.query));
    editor.focus();
    editor.setSelectionRange(0, 0);
  });

  function loadExamples() {
    return fetch(QUERIES, { headers: { "Accept": "application/json" } }).then(function (resp) {
      if (!resp.ok) throw new Error("erreur " + resp.status);
      return resp.json();
    }).then(function (list) {
      list = Array.isArray(list) ? list : list.queries || [];
      exampleSelect.textContent = "";
      exampleSelect.appendChild(el("option", { value: "", text: list.length ? "— Choisir une question —" : "Aucune question disponible" }));
      list.forEach(function (q) {
        state.examples[q.name] = q;
        exampleSelect.appendChild(el("option", { value: q.name, text: q.summary || q.name }));
      });
      exampleSelect.disabled = !list.length;
    }).catch(function (err) {
      exampleSelect.textContent = "";
      exampleSelect.appendChild(el("option", { value: "", text: "Exemples indisponibles (" + err.message + ")" }));
    });
  }

  function loadPrefixes() {
    return fetch(PREFIXES, { headers: { "Accept": "application/json" } }).then(function (resp) {
      if (!resp.ok) throw new Error("erreur " + resp.status);
      return resp.json();
    }).then(function (table) {
      state.prefixes = table && typeof table === "object" ? table : {};
    }).catch(function () {
      state.prefixes = {};
      setStatus("La table des préfixes n'a pas pu être chargée : déclarez vos préfixes dans la requête.");
    });
  }

  // ------------------------------------------------------------------ start

  function start() {
    var params = new URLSearchParams(location.search);
    Promise.all([loadPrefixes(), loadExamples()]).then(function () {
      var query = params.get("query");
      var example = params.get("exemple");
      if (query) {
        setQuery(query);
        return runEditor();
      }
      setQuery(defaultQuery());
      if (example && state.examples[example]) {
        exampleSelect.value = example;
        showExample(example);
        Array.prototype.forEach.call(exampleFields.querySelectorAll("input"), function (input) {
          if (params.has(input.name)) input.value = params.get(input.name);
        });
        return runExample();
      }
      return null;
    }).then(function () {
      body.setAttribute("data-pret", "oui"); // for tests: the page has finished starting
    });
  }

  renderHighlight();
  start();
})();

// Script of the gca web page: detects readers, reads the chosen card,
// checks the input rules as the user types, and sends one card operation
// at a time with the page's anti-CSRF token. The server checks every rule
// again through package client; this script only guides the user.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const texts = JSON.parse(document.body.dataset.texts);
  const page = texts.page;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const form = $('card-form');
  const readerSelect = $('reader');
  const secretInputs = Array.from(form.querySelectorAll('input[type="password"]'));
  // sessionStorage keeps the chosen reader name, never a secret, so the
  // other tabs open on the same card.
  const readerKey = 'gca-web-reader';

  let busy = false;
  let card = null;
  const touched = new Set();

  // Go's unicode.IsSpace, which package client's blank check uses through
  // strings.TrimSpace.
  const goSpace = /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]$/;
  const asciiAlnum = /^[0-9A-Za-z]$/;

  // problemOf returns the first rule that value breaks, in the order of
  // client.checkValue, or '' when it follows the rules.
  // NOTE: this copies package client's rules into the page. The browser
  // test compares the two, so a change to either must change both.
  function problemOf(value, min, max) {
    const chars = Array.from(value);
    if (chars.every((ch) => goSpace.test(ch))) {
      return 'blank';
    }
    for (const ch of chars) {
      const cp = ch.codePointAt(0);
      if (cp === 0x20 || cp === 0x3000) return 'space';
      if (cp >= 0xff01 && cp <= 0xff5e) return 'fullWidth';
      if (cp > 0x7f) return 'nonASCII';
      if (cp < 0x20 || cp === 0x7f) return 'control';
      if (!asciiAlnum.test(ch)) return 'symbol';
    }
    if (chars.length < min) return 'tooShort';
    if (chars.length > max) return 'tooLong';
    return '';
  }

  // fieldMessage returns the rule text that an input breaks, or ''.
  function fieldMessage(input) {
    if (input.id === 'newPINAgain') {
      return input.value === $('newPIN').value ? '' : texts.mismatch;
    }
    const rules = texts.rules[input.id];
    const problem = problemOf(input.value, rules.min, rules.max);
    return problem ? rules.texts[problem] : '';
  }

  // showFieldError shows or clears the error under an input.
  function showFieldError(input, message) {
    $(input.id + '-error').textContent = message;
    if (message) {
      input.setAttribute('aria-invalid', 'true');
    } else {
      input.removeAttribute('aria-invalid');
    }
  }

  // checkInput checks one input and shows its error once the user has
  // left it, or at once for a mistake that more typing cannot fix.
  function checkInput(input) {
    const message = fieldMessage(input);
    let show = touched.has(input.id);
    if (!show && message && input.id !== 'newPINAgain') {
      const rules = texts.rules[input.id];
      const problem = problemOf(input.value, rules.min, rules.max);
      show = problem !== 'blank' && problem !== 'tooShort';
    }
    showFieldError(input, show ? message : '');
    return message === '';
  }

  function setHint(text) {
    $('hint').textContent = text;
  }

  function showError(text) {
    $('error').textContent = text;
  }

  function hideResult() {
    $('result').hidden = true;
  }

  // setBusy disables every control while a request runs, so nothing is
  // sent twice, and shows what the page waits for.
  function setBusy(on, progressText) {
    busy = on;
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    for (const el of form.querySelectorAll('button, select, input')) {
      el.disabled = on;
    }
    $('progress-text').textContent = on ? progressText : '';
    $('progress').hidden = !on;
    if (on) {
      setHint(progressText);
    }
  }

  // post sends a JSON request with the page's token and returns
  // {ok, body}. A failed connection returns the network text.
  async function post(path, payload) {
    let response;
    try {
      response = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify(payload),
        cache: 'no-store',
        credentials: 'same-origin',
      });
    } catch (e) {
      return { ok: false, body: { error: 'network', message: texts.network } };
    }
    try {
      return { ok: response.ok, body: await response.json() };
    } catch (e) {
      return { ok: false, body: { error: 'network', message: texts.network } };
    }
  }

  function setText(id, value) {
    const el = $(id);
    if (el) {
      el.textContent = value || '';
    }
  }

  function showCard(data) {
    card = data;
    setText('card-number', data ? data.cardNumber : '');
    setText('card-holder', data ? data.holder : '');
    setText('card-validity', data ? data.validity : '');
    setText('card-issued', data ? data.issued : '');
    setText('card-deadline', data ? data.deadline : '');
    setText('card-lifecycle', data ? data.lifecycleText : '');
    setText('card-pin', data ? data.pin : '');
    setText('card-user-code', data ? data.userCode : '');
    setText('card-status', data ? data.statusText : '');
    const status = $('card-status');
    status.className = data ? 'status-' + data.status : '';
  }

  // stateHint returns the hint for a card whose state does not allow the
  // page's operation, or null when it does.
  function stateHint() {
    const status = card.status;
    switch (page) {
      case 'activate':
        if (status === 'not-activated') return null;
        if (status === 'valid' || status === 'pin-locked') return texts.alreadyActivated;
        return card.advice;
      case 'change-pin':
        if (status === 'valid') return null;
        if (status === 'not-activated') return texts.notActivated;
        return card.advice;
      case 'reset-pin':
        if (status === 'valid' || status === 'pin-locked') return null;
        if (status === 'not-activated') return texts.notActivated;
        return card.advice;
      default:
        return card.advice || texts.hints.valid;
    }
  }

  // updateHint shows the next step: detect, choose, fix an input or
  // submit.
  function updateHint() {
    if (busy) return;
    if (!card) {
      setHint(readerSelect.value ? texts.hints.choose : texts.hints.detect);
      return;
    }
    const blocked = stateHint();
    if (blocked !== null) {
      setHint(blocked);
      return;
    }
    const wrong = secretInputs.filter((input) => fieldMessage(input) !== '');
    if (wrong.some((input) => input.getAttribute('aria-invalid') === 'true')) {
      setHint(texts.hints.fix);
    } else if (secretInputs.length > 0 && wrong.length === 0) {
      setHint(texts.hints.ready);
    } else {
      setHint(texts.hints[page]);
    }
  }

  function option(value, label) {
    const el = document.createElement('option');
    el.value = value;
    el.textContent = label;
    return el;
  }

  // detect lists the readers that hold a card (偵測卡片). It chooses the
  // remembered reader, or the only one, and reads its card.
  async function detect(remembered) {
    if (busy) return;
    showError('');
    hideResult();
    showCard(null);
    setBusy(true, texts.hints.detecting);
    const r = await post('/api/readers', {});
    setBusy(false);
    if (!r.ok) {
      showError(r.body.message);
      setHint(texts.hints.detect);
      return;
    }

    const names = r.body.readers.filter((reader) => reader.cardPresent).map((reader) => reader.name);
    readerSelect.replaceChildren(option('', names.length === 0 ? texts.choose : texts.choosePrompt));
    for (const name of names) {
      readerSelect.append(option(name, name));
    }
    if (names.length === 0) {
      setHint(texts.hints.noCard);
      return;
    }
    let pick = '';
    if (remembered && names.includes(remembered)) {
      pick = remembered;
    } else if (names.length === 1) {
      pick = names[0];
    }
    if (!pick) {
      setHint(texts.hints.choose);
      readerSelect.focus();
      return;
    }
    readerSelect.value = pick;
    await readCard();
  }

  // readCard reads the card in the chosen reader, which uses no try.
  async function readCard() {
    if (busy) return;
    const reader = readerSelect.value;
    showError('');
    hideResult();
    showCard(null);
    if (!reader) {
      updateHint();
      return;
    }
    sessionStorage.setItem(readerKey, reader);
    setBusy(true, texts.hints.reading);
    const r = await post('/api/card', { reader: reader });
    setBusy(false);
    if (!r.ok) {
      showError(r.body.message);
      setHint(texts.hints.afterError);
      return;
    }
    showCard(r.body);
    updateHint();
  }

  function clearSecrets() {
    for (const input of secretInputs) {
      input.value = '';
      showFieldError(input, '');
    }
    touched.clear();
  }

  function showResult(body) {
    $('result-title').textContent = body.message;
    setText('result-advice', body.advice);
    setText('result-status', body.status);
    $('result').hidden = false;
    $('result').focus();
  }

  // submit checks every input and sends the operation once. The controls
  // stay disabled until the server responds.
  async function submit(event) {
    event.preventDefault();
    if (busy) return;
    if (page === 'status') {
      await readCard();
      return;
    }
    showError('');
    hideResult();
    if (!card) {
      showError(texts.readerMissing);
      readerSelect.focus();
      return;
    }
    // A card whose state refuses the operation is not sent any secret:
    // the hint explains why and what to do instead.
    const blocked = stateHint();
    if (blocked !== null) {
      setHint(blocked);
      return;
    }
    for (const input of secretInputs) {
      touched.add(input.id);
    }
    const invalid = secretInputs.filter((input) => !checkInput(input));
    if (invalid.length > 0) {
      setHint(texts.hints.fix);
      invalid[0].focus();
      return;
    }

    const payload = { reader: readerSelect.value };
    for (const input of secretInputs) {
      payload[input.id] = input.value;
    }
    setBusy(true, texts.progress);
    const r = await post('/api/' + page, payload);
    clearSecrets();
    setBusy(false);
    if (r.body.card) {
      showCard(r.body.card);
    }
    if (r.ok) {
      showResult(r.body);
      setHint(texts.hints.afterResult);
      return;
    }
    showError(r.body.message);
    setHint(texts.hints.afterError);
    const field = r.body.field && $(r.body.field);
    if (field) {
      field.focus();
    }
  }

  $('detect').addEventListener('click', () => detect(''));
  readerSelect.addEventListener('change', readCard);
  form.addEventListener('submit', submit);
  form.addEventListener('reset', () => {
    // The reset event comes before the browser clears the inputs.
    setTimeout(() => {
      clearSecrets();
      showError('');
      hideResult();
      updateHint();
    }, 0);
  });
  for (const input of secretInputs) {
    input.addEventListener('input', () => {
      checkInput(input);
      if (input.id === 'newPIN' && $('newPINAgain').value !== '') {
        checkInput($('newPINAgain'));
      }
      updateHint();
    });
    input.addEventListener('blur', () => {
      if (input.value !== '') {
        touched.add(input.id);
      }
      checkInput(input);
      updateHint();
    });
  }

  // The rule check, for tests that compare it with package client.
  window.gcaWeb = { problemOf: problemOf };

  const remembered = sessionStorage.getItem(readerKey);
  if (remembered) {
    detect(remembered);
  }
})();

// A windowed list: of a list of thousands of ids, only the rows near the
// viewport exist in the DOM. The page scrolls as usual (the window is the
// scroller); the list keeps a spacer above and below its rows so that the
// scrollbar and the page's length are those of the whole list.
//
// Rows may differ in height: each is measured once it is in the DOM, and
// rows never seen count as `estimate` pixels. A row is rebuilt only when
// its key (a string the page computes from what the row shows) changes, so
// a frame in which nothing a visible row shows changed touches no row.
//
//   const list = new VList(ul, { build: (id) => li, key: (id) => '…', patch: (li, id) => bool });
//   list.setItems(ids);      // the order; renders at the next frame
//   list.invalidate();       // keys may have changed; re-check visible rows
//   list.reveal(i);          // scroll so that item i is in view
//   list.row(id);            // its element, if it is in the DOM

export class VList {
  constructor(ul, { build, key, patch = null, estimate = 72, overscan = 800, label = null, onRange = null }) {
    this.ul = ul;
    this.build = build;
    this.key = key;
    this.patch = patch;	// (el, id) → true if it brought the row up to date in place
    this.onRange = onRange;	// (first, last, n) after each render: a page may load more
    this.estimate = estimate;
    this.overscan = overscan;
    this.ids = [];
    this.heights = new Map();	// id -> measured px
    this.offsets = new Float64Array(1);
    this.offsetsDirty = false;
    this.rows = new Map();		// id -> { el, key }
    this.top = document.createElement('li');
    this.bottom = document.createElement('li');
    for (const s of [this.top, this.bottom]) {
      s.className = 'spacer';
      s.setAttribute('aria-hidden', 'true');
    }
    ul.replaceChildren(this.top, this.bottom);
    if (label) ul.setAttribute('aria-label', label);
    this.frame = 0;
    const soon = () => this.schedule();
    window.addEventListener('scroll', soon, { passive: true });
    window.addEventListener('resize', () => { this.heights.clear(); this.offsetsDirty = true; soon(); });
  }

  setItems(ids) {
    this.ids = ids;
    this.index = null;
    this.offsetsDirty = true;
    this.schedule();
  }

  invalidate() {
    this.schedule();
  }

  indexOf(id) {
    if (!this.index) {
      this.index = new Map();
      this.ids.forEach((x, i) => this.index.set(x, i));
    }
    return this.index.get(id) ?? -1;
  }

  row(id) {
    return this.rows.get(id)?.el || null;
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  // Renders now (the pages call it from their own frame, so one frame does both).
  flush() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.render();
  }

  computeOffsets() {
    const n = this.ids.length;
    if (this.offsets.length < n + 1) this.offsets = new Float64Array(Math.max(n + 1, this.offsets.length * 2));
    let y = 0;
    for (let i = 0; i < n; i++) {
      this.offsets[i] = y;
      y += this.heights.get(this.ids[i]) ?? this.estimate;
    }
    this.offsets[n] = y;
    this.offsetsDirty = false;
  }

  // The first index whose row ends below y.
  find(y) {
    let lo = 0, hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsets[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  render() {
    if (this.offsetsDirty) this.computeOffsets();
    const n = this.ids.length;
    const rect = this.ul.getBoundingClientRect();
    const from = -rect.top - this.overscan, to = window.innerHeight - rect.top + this.overscan;
    const first = n ? this.find(Math.max(0, from)) : 0;
    let last = first;
    while (last < n && this.offsets[last] < to) last++;
    // Rows in the window, each reused unless what it shows changed.
    const keep = new Map(), els = [];
    for (let i = first; i < last; i++) {
      const id = this.ids[i];
      const k = this.key(id);
      let r = this.rows.get(id);
      if (r && r.key !== k && this.patch && this.patch(r.el, id)) {
        r.key = k;
      } else if (!r || r.key !== k) {
        const el = this.build(id);
        el.setAttribute('aria-setsize', String(n));
        r = { el, key: k };
      }
      r.el.setAttribute('aria-posinset', String(i + 1));
      keep.set(id, r);
      els.push(r.el);
    }
    for (const [id, r] of this.rows) if (keep.get(id) !== r) r.el.remove();
    this.rows = keep;
    // Put them in order between the spacers, moving only what is out of place.
    let at = this.top.nextSibling;
    for (const el of els) {
      if (at !== el) this.ul.insertBefore(el, at);
      else at = at.nextSibling;
    }
    while (at && at !== this.bottom) {
      const next = at.nextSibling;
      at.remove();
      at = next;
    }
    this.top.style.height = `${this.offsets[first]}px`;
    this.bottom.style.height = `${this.offsets[n] - this.offsets[last]}px`;
    // Measure what is shown; a row of another height than assumed moves those below it.
    let changed = false;
    for (let i = first; i < last; i++) {
      const id = this.ids[i];
      const h = this.rows.get(id).el.offsetHeight;
      if (h && this.heights.get(id) !== h) {
        this.heights.set(id, h);
        changed = true;
      }
    }
    if (changed) {
      this.computeOffsets();
      this.top.style.height = `${this.offsets[first]}px`;
      this.bottom.style.height = `${this.offsets[n] - this.offsets[last]}px`;
    }
    this.first = first;
    this.last = last;
    if (this.onRange) this.onRange(first, last, n);
  }

  // Scrolls the least needed to show item i whole (below a sticky header of `margin` px).
  reveal(i, margin = 0) {
    if (i < 0 || i >= this.ids.length) return;
    if (this.offsetsDirty) this.computeOffsets();
    const listTop = this.ul.getBoundingClientRect().top + window.scrollY;
    const top = listTop + this.offsets[i], bottom = listTop + this.offsets[i + 1];
    if (top - margin < window.scrollY) window.scrollTo(0, top - margin);
    else if (bottom > window.scrollY + window.innerHeight) window.scrollTo(0, bottom - window.innerHeight);
    this.render();
  }
}

/* The rules editor: show only the fields the chosen condition type uses (the server ignores the rest). */
'use strict';

(() => {
  const type = document.getElementById('rule-type');
  if (!type) return;
  function update() {
    document.querySelectorAll('#rule-form .cond').forEach(el => {
      el.hidden = !el.dataset.types.split(' ').includes(type.value);
    });
  }
  type.addEventListener('change', update);
  update();
})();

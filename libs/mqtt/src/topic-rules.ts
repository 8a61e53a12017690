/**
 * Topic name and filter rules of MQTT section 4.7, plus the check that one filter only
 * reaches topics another filter (a policy pattern) allows.
 */

export type TopicProblem =
  | 'empty'
  | 'too-long'
  | 'invalid-utf8'
  | 'null-character'
  | 'wildcard-in-name'
  | 'misplaced-wildcard';

/**
 * Problems common to names and filters. mqtt-packet decodes strings leniently, turning
 * invalid UTF-8 into U+FFFD; no vehicle topic contains that character, so it marks
 * [MQTT-1.5.4-1] ill-formed UTF-8.
 */
function textProblem(topic: string, maxBytes: number): TopicProblem | null {
  // [MQTT-4.7.3-1] topic names and filters are at least one character long.
  if (topic.length === 0) return 'empty';
  if (Buffer.byteLength(topic, 'utf8') > maxBytes) return 'too-long';
  if (topic.includes('\uFFFD')) return 'invalid-utf8';
  // [MQTT-1.5.4-2] no U+0000 in UTF-8 strings.
  if (topic.includes('\u0000')) return 'null-character';
  return null;
}

export function topicNameProblem(topic: string, maxBytes = 65_535): TopicProblem | null {
  // [MQTT-3.3.2-2] no wildcards in the topic name of a PUBLISH.
  return textProblem(topic, maxBytes) ?? (/[+#]/.test(topic) ? 'wildcard-in-name' : null);
}

export function topicFilterProblem(filter: string, maxBytes = 65_535): TopicProblem | null {
  const text = textProblem(filter, maxBytes);
  if (text) return text;
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    // [MQTT-4.7.1-2] '#' alone in its level and last; [MQTT-4.7.1-3] '+' alone in its level.
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      return 'misplaced-wildcard';
    if (level.includes('+') && level !== '+') return 'misplaced-wildcard';
  }
  return null;
}

export function isSharedSubscription(filter: string): boolean {
  return filter.startsWith('$share/');
}

/** Does the filter (with wildcards) match this topic name? [MQTT-4.7.2-1] '$' topics need a literal first level. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Is every topic that `filter` can match also matched by `allowed`? This is what a
 * subscription must satisfy: `vehicles/X/#` allows `vehicles/X/ota/+` but not `vehicles/+/ota`.
 */
export function filterCovered(allowed: string, filter: string): boolean {
  if (filter.startsWith('$') !== allowed.startsWith('$')) return false;
  const a = allowed.split('/');
  const f = filter.split('/');
  for (let i = 0; i < a.length; i++) {
    const level = a[i];
    if (level === '#') return true;
    if (i >= f.length) return false;
    const want = f[i];
    if (want === '#') return false;
    if (level === '+') continue;
    if (want !== level) return false;
  }
  return a.length === f.length;
}

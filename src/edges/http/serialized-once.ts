/**
 * JSON bytes of answers that never change, written once per answer object and kept while
 * the object lives. Only for objects nobody mutates, such as the frozen answers the registry
 * gives for a schema id: a route then sends the same bytes each time instead of serialising
 * the same object again.
 *
 * @example
 * const bytes = new SerializedOnce();
 * reply.send(bytes.of(registry.schemaById(tenant, id)));
 */
export class SerializedOnce {
  readonly #bytes = new WeakMap<object, Buffer>();

  of(answer: object): Buffer {
    let bytes = this.#bytes.get(answer);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(answer), 'utf8');
      this.#bytes.set(answer, bytes);
    }
    return bytes;
  }
}

// PUBACKs in the order their PUBLISHes arrived, while the messages themselves are processed at
// the same time. MQTT 5 §4.6 requires a receiver to send QoS 1 PUBACKs in the order the PUBLISH
// packets came in [MQTT-4.6.0-2]; the platform acknowledges a message only after its commit, and
// commits finish in any order. So each acknowledgement waits until every earlier message on the
// same connection has been acknowledged: ingest runs in parallel, only the acks queue.

export class OrderedAcks {
  private readonly queue: { ready: boolean; send: () => void }[] = [];

  /**
   * Takes a place in the line for one message; `send` writes its PUBACK. Returns the function to
   * call when the message may be acknowledged: its PUBACK goes out once all earlier ones have.
   */
  hold(send: () => void): () => void {
    const entry = { ready: false, send };
    this.queue.push(entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.ready = true;
      this.flush();
    };
  }

  /** Messages taken and not yet acknowledged (waiting for their own commit or an earlier one). */
  get pending(): number {
    return this.queue.length;
  }

  private flush(): void {
    while (this.queue[0]?.ready) this.queue.shift()!.send();
  }
}

package store

// WriteBehind runs an upload's writes one at a time behind its caller, so that the next batch
// is checked and encoded while the previous one is written (#14), and hands a failed write's
// error to whoever waits next. Both engines' uploads use it; it is not safe for concurrent use
// (an upload has one caller at a time).
type WriteBehind struct {
	done chan struct{} // closed when the write under way ends; nil when none is
	err  error         // that write's error, read after done is closed
}

// Go starts write behind the caller. The previous write must have been waited for.
func (b *WriteBehind) Go(write func() error) {
	done := make(chan struct{})
	b.done = done
	go func() {
		defer close(done)
		b.err = write()
	}()
}

// Wait waits for the write under way, if any, and returns its error, once.
func (b *WriteBehind) Wait() error {
	if b.done == nil {
		return nil
	}
	<-b.done
	b.done = nil
	err := b.err
	b.err = nil
	return err
}

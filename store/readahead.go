package store

import (
	"context"

	"github.com/aidmap/aidmap"
)

// ReadAhead calls fn for every site fill produces, in order, while fill reads and decodes the
// next batch on its own goroutine, so a store's driver work and fn's work overlap (EachSite
// hydrating an index is the case it is for). Two batches of size sites circulate, so memory
// stays small.
//
// fill appends up to size sites to batch and returns it, with done set when there are no more
// after it. ReadAhead returns the first error of fill or fn, or ctx's error; fill is not called
// again after an error.
func ReadAhead(ctx context.Context, size int, fill func(batch []aidmap.Site) (_ []aidmap.Site, done bool, _ error), fn func(aidmap.Site) error) error {
	batches := make(chan []aidmap.Site, 1)
	free := make(chan []aidmap.Site, 2)
	free <- make([]aidmap.Site, 0, size)
	free <- make([]aidmap.Site, 0, size)
	stop := make(chan struct{})
	fillErr := make(chan error, 1)
	go func() {
		defer close(batches)
		fillErr <- func() error {
			for {
				var batch []aidmap.Site
				select {
				case batch = <-free:
				case <-stop:
					return nil
				}
				batch, done, err := fill(batch)
				if err != nil {
					return err
				}
				if len(batch) > 0 {
					select {
					case batches <- batch:
					case <-stop:
						return nil
					}
				}
				if done {
					return nil
				}
			}
		}()
	}()
	finish := func(err error) error {
		close(stop)
		for range batches { // let the filler see stop and end
		}
		if ferr := <-fillErr; err == nil {
			err = ferr
		}
		return err
	}
	for batch := range batches {
		for i := range batch {
			if err := ctx.Err(); err != nil {
				return finish(err)
			}
			if err := fn(batch[i]); err != nil {
				return finish(err)
			}
		}
		clear(batch) // drop the strings before the batch waits to be reused
		free <- batch[:0]
	}
	return finish(nil)
}

package b2b

import "slices"

// The choice of the next page to read for the tokens a scan waits for: a pure function of
// the pages read since the last change and the ids wanted.

// scanPlan is the next step of a scan: read the page at offset, and give up on the ids
// that no page it makes sense to read would show (they go to the complete listing).
type scanPlan struct {
	offset int
	read   bool
	giveUp []int64
}

// pageIDs is what a scan plans by: where a page was read, the totalCount it gave, and the
// ids it showed, in its order.
type pageIDs struct {
	offset, total int
	ids           []int64
}

func idsOnPage(p TokenPage) pageIDs {
	ids := make([]int64, len(p.Tokens))
	for i, t := range p.Tokens {
		ids[i] = t.ID
	}
	return pageIDs{offset: p.Offset, total: p.TotalCount, ids: ids}
}

type listOrder int

const (
	orderUnknown listOrder = iota
	newestFirst
	oldestFirst
)

// point is a token id at its position in the list.
type point struct {
	pos int
	id  int64
}

func pointsOf(pages []pageIDs) []point {
	n := 0
	for _, p := range pages {
		n += len(p.ids)
	}
	// Pages come in the order they were read, mostly by offset, so the points are nearly
	// sorted already; where pages overlap, the page read last tells the position.
	points := make([]point, 0, n)
	for _, p := range pages {
		for i, id := range p.ids {
			points = append(points, point{p.offset + i, id})
		}
	}
	slices.SortStableFunc(points, func(a, b point) int { return a.pos - b.pos })
	out := points[:0]
	for i, pt := range points {
		if i+1 < len(points) && points[i+1].pos == pt.pos {
			continue
		}
		out = append(out, pt)
	}
	return out
}

// orderOf tells the list's order from the ids at their positions: strictly falling ids are
// newest first, rising oldest first; anything else (or too little to tell) is unknown.
func orderOf(points []point) listOrder {
	if len(points) < 2 {
		return orderUnknown
	}
	falling, rising := true, true
	for i := 1; i < len(points); i++ {
		falling = falling && points[i].id < points[i-1].id
		rising = rising && points[i].id > points[i-1].id
	}
	switch {
	case falling:
		return newestFirst
	case rising:
		return oldestFirst
	}
	return orderUnknown
}

// planScan chooses where to look next. It starts at the front; once the order is known from
// the ids, it guesses each wanted token's position from the ids on both sides of it and reads
// the page there; a token whose neighbours in the list are both known (nothing between them)
// is not where the order puts it, and is given up. Without a known order it reads the pages
// in turn.
func planScan(pages []pageIDs, want []int64) scanPlan {
	if len(pages) == 0 {
		return scanPlan{offset: 0, read: true}
	}
	total := pages[len(pages)-1].total
	size := pageSize(pages)
	points := pointsOf(pages)
	order := orderOf(points)
	if order == orderUnknown {
		return planInTurn(pages, want, total, size)
	}
	key := func(id int64) int64 { return id }
	if order == newestFirst {
		key = func(id int64) int64 { return -id }
	}
	var plan scanPlan
	best, bestGap := -1, gap{}
	for _, id := range want {
		est, g, ok := estimate(points, key, key(id), total)
		if !ok {
			plan.giveUp = append(plan.giveUp, id)
			continue
		}
		if best < 0 || est < best {
			best, bestGap = est, g
		}
	}
	if best >= 0 {
		plan.read, plan.offset = true, bestGap.pageAt(best, size, total)
	}
	return plan
}

// gap is a run of positions no page read covers.
type gap struct{ lo, hi int }

// pageAt is the offset of a page that covers est within the gap, and as much of the gap
// after it as fits.
func (g gap) pageAt(est, size, total int) int {
	if g.hi-g.lo+1 <= size {
		return g.lo
	}
	offset := min(max(est-size/4, g.lo), g.hi-size+1)
	return max(0, min(offset, total-size))
}

// estimate is the guessed position of the token with key k (keys grow with the position),
// within the gap where it must be; ok is false when no such gap is left.
func estimate(points []point, key func(int64) int64, k int64, total int) (int, gap, bool) {
	j, _ := slices.BinarySearchFunc(points, k, func(p point, k int64) int {
		switch pk := key(p.id); {
		case pk < k:
			return -1
		case pk > k:
			return 1
		}
		return 0
	})
	if j < len(points) && key(points[j].id) == k {
		return 0, gap{}, false // shown, yet waited for: a page it was forgotten on
	}
	first, last := points[0], points[len(points)-1]
	switch {
	case j == 0:
		if first.pos == 0 {
			return 0, gap{}, false
		}
		return first.pos / 2, gap{0, first.pos - 1}, true
	case j == len(points):
		if last.pos >= total-1 {
			return 0, gap{}, false
		}
		est := last.pos + 1
		if last.pos > first.pos {
			slope := float64(key(last.id)-key(first.id)) / float64(last.pos-first.pos)
			est = last.pos + int(float64(k-key(last.id))/slope)
		}
		return min(max(est, last.pos+1), total-1), gap{last.pos + 1, total - 1}, true
	}
	p, q := points[j-1], points[j]
	if q.pos == p.pos+1 {
		return 0, gap{}, false
	}
	est := p.pos + int(float64(q.pos-p.pos)*float64(k-key(p.id))/float64(key(q.id)-key(p.id)))
	return min(max(est, p.pos+1), q.pos-1), gap{p.pos + 1, q.pos - 1}, true
}

// planInTurn reads the first page no page read covers; with none left, it gives up.
func planInTurn(pages []pageIDs, want []int64, total, size int) scanPlan {
	covered := map[int]bool{}
	for _, p := range pages {
		covered[p.offset] = true
	}
	for offset := 0; offset < total; offset += size {
		if !covered[offset] {
			return scanPlan{offset: offset, read: true}
		}
	}
	return scanPlan{giveUp: want}
}

// pageSize is how many tokens the server serves a page: MaxPageSize, unless a page that was
// not the last held fewer.
func pageSize(pages []pageIDs) int {
	size := MaxPageSize
	for _, p := range pages {
		if n := len(p.ids); n > 0 && n < size && p.offset+n < p.total {
			size = n
		}
	}
	return size
}

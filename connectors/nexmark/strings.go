package nexmark

import (
	"math/bits"
	"strconv"
)

// Fixed word lists of the upstream PersonGenerator and BidGenerator.
var (
	usStates   = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities   = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannel = []string{"Google", "Facebook", "Baidu", "Apple"}
)

const (
	numChannels      = 10000
	hotChannelsRatio = 2
	urlDirLength     = 5
)

// tables are the read-only strings shared by every reader of a source:
// the channels (0-3 the hot ones, 4+N "channel-N") and their URLs
// (upstream caches one URL per channel number), the cities and states, and
// one random string every `extra` value is cut from. Each list is one
// contiguous blob with offsets. Upstream draws the URLs from unseeded
// Randoms; here they come from the table's seed so runs are reproducible.
type tables struct {
	channel, url, city, state blob
	shared                    []byte // lowercase letters; extra = shared[off:end]
}

// blob is a list of strings stored back to back: string i is
// data[off[i]:off[i+1]].
type blob struct {
	data []byte
	off  []int32
}

func (b *blob) add(s []byte) {
	if b.off == nil {
		b.off = []int32{0}
	}
	b.data = append(b.data, s...)
	b.off = append(b.off, int32(len(b.data)))
}

func (b *blob) get(i int32) []byte { return b.data[b.off[i]:b.off[i+1]] }

func newTables(seed int64, maxExtra int) *tables {
	t := &tables{}
	var r jrand
	r.setSeed(0x4E45584D41524B ^ seed) // "NEXMARK"
	for _, c := range usCities {
		t.city.add([]byte(c))
	}
	for _, s := range usStates {
		t.state.add([]byte(s))
	}
	for _, c := range hotChannel {
		t.channel.add([]byte(c))
		t.url.add(baseURL(nil, &r))
	}
	for i := 0; i < numChannels; i++ {
		t.channel.add(strconv.AppendInt([]byte("channel-"), int64(i), 10))
		u := baseURL(nil, &r)
		if r.nextInt(10) > 0 {
			rev := int32(bits.Reverse32(uint32(i)))
			if rev < 0 {
				rev = -rev // Math.abs: MinInt32 stays negative, as in Java
			}
			u = strconv.AppendInt(append(u, "&channel_id="...), int64(rev), 10)
		}
		t.url.add(u)
	}
	t.shared = make([]byte, maxExtra+4096)
	for i := range t.shared {
		t.shared[i] = byte('a' + r.nextInt(26))
	}
	return t
}

// baseURL appends https://www.nexmark.com/<5>/<5>/<5>/item.htm?query=1.
func baseURL(dst []byte, r *jrand) []byte {
	dst = append(dst, "https://www.nexmark.com/"...)
	for k := 0; k < 3; k++ {
		for i := 0; i < urlDirLength; i++ {
			dst = append(dst, r.nextLetter('_'))
		}
		dst = append(dst, '/')
	}
	return append(dst, "item.htm?query=1"...)
}

// appendString is the upstream nextString(random, maxLength): 3 to
// maxLength-1 letters with a space now and then, trimmed.
func appendString(dst []byte, r *jrand, maxLength int32) []byte {
	n := minStringLength + r.nextInt(maxLength-minStringLength)
	start := len(dst)
	for ; n > 0; n-- {
		dst = append(dst, r.nextLetter(' '))
	}
	// String.trim: drop spaces at both ends.
	end := len(dst)
	for end > start && dst[end-1] == ' ' {
		end--
	}
	lead := start
	for lead < end && dst[lead] == ' ' {
		lead++
	}
	if lead > start {
		copy(dst[start:], dst[lead:end])
		end -= lead - start
	}
	return dst[:end]
}

// appendCreditCard appends four space-separated groups of four digits.
func appendCreditCard(dst []byte, r *jrand) []byte {
	for i := 0; i < 4; i++ {
		if i > 0 {
			dst = append(dst, ' ')
		}
		x := r.nextInt(10000)
		dst = append(dst, byte('0'+x/1000), byte('0'+x/100%10), byte('0'+x/10%10), byte('0'+x%10))
	}
	return dst
}

// extra returns the padding of an event whose other fields take
// currentSize bytes: upstream nextExtra's length (avg ±20%), cut from the
// shared string instead of drawn letter by letter.
func (t *tables) extra(r *jrand, currentSize, avg int) span {
	if currentSize > avg {
		return span{}
	}
	d := avg - currentSize
	delta := int32(float64(d)*0.2 + 0.5)
	size := int32(d) - delta
	if delta != 0 {
		size += r.nextInt(2 * delta)
	}
	if size <= 0 {
		return span{}
	}
	off := r.nextInt(int32(len(t.shared)) - size)
	return span{off, off + size}
}

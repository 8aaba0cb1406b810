package apigateway

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/apidriven/api-driven/emulator/protocol"
)

// Usage plans throttle (a token bucket per key: rateLimit requests per
// second, burstLimit at once) and cap (quota: limit requests per DAY, WEEK
// or MONTH) the calls made with their API keys, answering 429 as AWS does.

var (
	errThrottled     = gatewayError(http.StatusTooManyRequests, "TooManyRequestsException", "Too Many Requests")
	errQuotaExceeded = gatewayError(http.StatusTooManyRequests, "LimitExceededException", "Limit Exceeded")
)

type throttleSettings struct {
	BurstLimit int     `json:"burstLimit"`
	RateLimit  float64 `json:"rateLimit"`
}

type quotaSettings struct {
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Period string `json:"period"`
}

// planLimits is what a call needs of its usage plan, copied under the lock.
type planLimits struct {
	planID, keyID string
	throttle      *throttleSettings
	quota         *quotaSettings
}

func (p *usagePlan) limits() *planLimits {
	l := &planLimits{planID: p.ID}
	if p.Throttle != nil {
		t := *p.Throttle
		l.throttle = &t
	}
	if p.Quota != nil {
		q := *p.Quota
		l.quota = &q
	}
	return l
}

func validateLimits(t *throttleSettings, q *quotaSettings) *protocol.Error {
	if t != nil && (t.RateLimit < 0 || t.BurstLimit < 0 || math.IsNaN(t.RateLimit)) {
		return protocol.BadRequest("BadRequestException", "Invalid throttle settings: rateLimit and burstLimit must not be negative")
	}
	if q != nil {
		switch q.Period {
		case "DAY", "WEEK", "MONTH":
		default:
			return protocol.BadRequest("BadRequestException", "Invalid quota period specified: %q. Valid options are DAY,WEEK,MONTH", q.Period)
		}
		if q.Limit < 0 || q.Offset < 0 {
			return protocol.BadRequest("BadRequestException", "Invalid quota settings: limit and offset must not be negative")
		}
	}
	return nil
}

// usageLimits holds the buckets and counters, in memory.
type usageLimits struct {
	mu       sync.Mutex
	limiters map[string]*bucket
	counts   map[string]*quotaCount
}

type bucket struct {
	settings throttleSettings
	limiter  *rate.Limiter
}

type quotaCount struct {
	periodStart time.Time
	n           int
}

// throttle admits the call or answers 429.
func (s *Service) throttle(x *execution) *execError {
	if x.plan == nil {
		return nil
	}
	key := x.plan.planID + "/" + x.keyID
	l := &s.limits
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := x.plan.throttle; t != nil && (t.RateLimit > 0 || t.BurstLimit > 0) {
		if l.limiters == nil {
			l.limiters = map[string]*bucket{}
		}
		b := l.limiters[key]
		if b == nil || b.settings != *t {
			burst := t.BurstLimit
			if burst == 0 {
				burst = max(1, int(math.Ceil(t.RateLimit)))
			}
			b = &bucket{settings: *t, limiter: rate.NewLimiter(rate.Limit(t.RateLimit), burst)}
			l.limiters[key] = b
		}
		if !b.limiter.Allow() {
			return errThrottled
		}
	}
	if q := x.plan.quota; q != nil && q.Limit > 0 {
		if l.counts == nil {
			l.counts = map[string]*quotaCount{}
		}
		start := periodStart(x.now, q)
		c := l.counts[key]
		if c == nil || !c.periodStart.Equal(start) {
			c = &quotaCount{periodStart: start}
			l.counts[key] = c
		}
		if c.n >= q.Limit {
			return errQuotaExceeded
		}
		c.n++
	}
	return nil
}

// periodStart is the UTC start of the quota period holding now; offset
// shifts it by days, as AWS's offset does.
func periodStart(now time.Time, q *quotaSettings) time.Time {
	now = now.UTC().AddDate(0, 0, -q.Offset)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch q.Period {
	case "WEEK":
		return day.AddDate(0, 0, -int(day.Weekday()))
	case "MONTH":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// updateUsagePlan applies patch operations on the name, description,
// throttle, quota and API stages ("apiId:stage").
func updateUsagePlan(s *Service, c *call) (any, *protocol.Error) {
	ops, perr := c.patchOps()
	if perr != nil {
		return nil, perr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.usagePlan(c.region, c.param("usageplanId"))
	if err != nil {
		return nil, err
	}
	next := *p
	next.APIStages = append([]apiStage(nil), p.APIStages...)
	// Copied, never mutated in place: running calls hold the old values.
	if p.Throttle != nil {
		t := *p.Throttle
		next.Throttle = &t
	}
	if p.Quota != nil {
		q := *p.Quota
		next.Quota = &q
	}
	for _, op := range ops {
		if err := next.patch(s, op); err != nil {
			return nil, err
		}
	}
	if err := validateLimits(next.Throttle, next.Quota); err != nil {
		return nil, err
	}
	*p = next
	if err := s.commit(); err != nil {
		return nil, err
	}
	return frozen(p.out()), nil
}

func (p *usagePlan) patch(s *Service, op patchOp) *protocol.Error {
	number := func() (float64, *protocol.Error) {
		f, err := strconv.ParseFloat(op.Value, 64)
		if err != nil {
			return 0, protocol.BadRequest("BadRequestException", "Invalid value %q for %s: a number is required", op.Value, op.Path)
		}
		return f, nil
	}
	if op.Op == "remove" && (op.Path == "/throttle" || op.Path == "/quota") {
		if op.Path == "/throttle" {
			p.Throttle = nil
		} else {
			p.Quota = nil
		}
		return nil
	}
	if op.Path == "/apiStages" {
		apiID, stageName, _ := strings.Cut(op.Value, ":")
		as := apiStage{APIID: apiID, Stage: stageName}
		switch op.Op {
		case "add":
			a, err := s.api(p.Region, apiID)
			if err != nil || a.Stages[stageName] == nil {
				return protocol.BadRequest("BadRequestException", "Invalid API Stage {api: %s, stage: %s} specified for usageplan", apiID, stageName)
			}
			if !p.covers(apiID, stageName) {
				p.APIStages = append(p.APIStages, as)
			}
		case "remove":
			for i, have := range p.APIStages {
				if have == as {
					p.APIStages = append(p.APIStages[:i:i], p.APIStages[i+1:]...)
					break
				}
			}
		default:
			return unsupportedPatch(op)
		}
		return nil
	}
	if op.Op != "replace" && op.Op != "add" {
		return unsupportedPatch(op)
	}
	switch op.Path {
	case "/name":
		p.Name = op.Value
	case "/description":
		p.Description = op.Value
	case "/throttle/rateLimit", "/throttle/burstLimit":
		f, err := number()
		if err != nil {
			return err
		}
		if p.Throttle == nil {
			p.Throttle = &throttleSettings{}
		}
		if op.Path == "/throttle/rateLimit" {
			p.Throttle.RateLimit = f
		} else {
			p.Throttle.BurstLimit = int(f)
		}
	case "/quota/limit", "/quota/offset", "/quota/period":
		if p.Quota == nil {
			p.Quota = &quotaSettings{Period: "DAY"}
		}
		if op.Path == "/quota/period" {
			p.Quota.Period = op.Value
			return nil
		}
		f, err := number()
		if err != nil {
			return err
		}
		if op.Path == "/quota/limit" {
			p.Quota.Limit = int(f)
		} else {
			p.Quota.Offset = int(f)
		}
	default:
		return unsupportedPatch(op)
	}
	return nil
}

// Package iso20022 writes ISO 20022 payment messages. It knows the message layout and
// nothing of how the payments were decided.
package iso20022

import (
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"math/big"
	"time"
)

// Namespace of the credit-transfer initiation message written here.
const Pain001Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

// Transfer is one credit transfer to a creditor.
type Transfer struct {
	EndToEndID string // at most 35 characters
	Creditor   string // name
	Account    string // the creditor's account identifier
	Amount     string // decimal, in Currency
	Currency   string // ISO 4217
}

// Batch is the transfers paid from one account in one currency on one day.
type Batch struct {
	ID        string
	Debtor    string
	Account   string
	Currency  string
	Execution time.Time
	Transfers []Transfer
	Total     string // sum of the transfers' amounts
}

// Payout is a payment from the initiator to a creditor, in minor units (2 decimals).
type Payout struct {
	Creditor string
	Amount   int64
	Currency string
}

// Payouts builds the message of an initiator's payouts, one batch a currency from the
// initiator's account in it (named INITIATOR-CURRENCY), to be executed on a day. It
// returns nil when there is nothing to pay.
func Payouts(initiator, messageID string, created, execution time.Time, ps []Payout) *Initiation {
	if len(ps) == 0 {
		return nil
	}
	m := &Initiation{MessageID: messageID, Created: created, Initiator: initiator}
	byCurrency := map[string]*Batch{}
	var order []string
	totals := map[string]*big.Int{}
	all := new(big.Int)
	for _, p := range ps {
		b := byCurrency[p.Currency]
		if b == nil {
			b = &Batch{ID: messageID + "-" + p.Currency, Debtor: initiator, Account: initiator + "-" + p.Currency, Currency: p.Currency, Execution: execution}
			byCurrency[p.Currency] = b
			order = append(order, p.Currency)
			totals[p.Currency] = new(big.Int)
		}
		m.Count++
		b.Transfers = append(b.Transfers, Transfer{EndToEndID: fmt.Sprintf("%s-%d", messageID, m.Count), Creditor: p.Creditor,
			Account: p.Creditor, Amount: minor(big.NewInt(p.Amount)), Currency: p.Currency})
		totals[p.Currency].Add(totals[p.Currency], big.NewInt(p.Amount))
		all.Add(all, big.NewInt(p.Amount))
	}
	for _, c := range order {
		b := byCurrency[c]
		b.Total = minor(totals[c])
		m.Batches = append(m.Batches, *b)
	}
	m.ControlSum = minor(all)
	return m
}

// minor writes an amount in minor units with 2 decimals; sums may pass 64 bits.
func minor(n *big.Int) string {
	q, r := new(big.Int).QuoRem(n, big.NewInt(100), new(big.Int))
	sign := ""
	if n.Sign() < 0 && q.Sign() == 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s%s.%02d", sign, q, new(big.Int).Abs(r).Int64())
}

// Initiation is a pain.001 message: one or more batches.
type Initiation struct {
	MessageID  string // at most 35 characters
	Created    time.Time
	Initiator  string
	Batches    []Batch
	Count      int
	ControlSum string // sum of all amounts
}

type document struct {
	XMLName xml.Name   `xml:"Document"`
	Xmlns   string     `xml:"xmlns,attr"`
	Init    initiation `xml:"CstmrCdtTrfInitn"`
}

type initiation struct {
	GrpHdr groupHeader `xml:"GrpHdr"`
	PmtInf []pmtInf    `xml:"PmtInf"`
}

type groupHeader struct {
	MsgID    string `xml:"MsgId"`
	CreDtTm  string `xml:"CreDtTm"`
	NbOfTxs  int    `xml:"NbOfTxs"`
	CtrlSum  string `xml:"CtrlSum"`
	InitgPty party  `xml:"InitgPty"`
}

type party struct {
	Nm string `xml:"Nm"`
}

type account struct {
	ID  string `xml:"Id>Othr>Id"`
	Ccy string `xml:"Ccy,omitempty"`
}

type pmtInf struct {
	PmtInfID    string        `xml:"PmtInfId"`
	PmtMtd      string        `xml:"PmtMtd"`
	NbOfTxs     int           `xml:"NbOfTxs"`
	CtrlSum     string        `xml:"CtrlSum"`
	ReqdExctnDt string        `xml:"ReqdExctnDt>Dt"`
	Dbtr        party         `xml:"Dbtr"`
	DbtrAcct    account       `xml:"DbtrAcct"`
	DbtrAgt     string        `xml:"DbtrAgt>FinInstnId>Othr>Id"`
	CdtTrfTxInf []creditTrans `xml:"CdtTrfTxInf"`
}

type creditTrans struct {
	EndToEndID string     `xml:"PmtId>EndToEndId"`
	Amt        instructed `xml:"Amt>InstdAmt"`
	Cdtr       party      `xml:"Cdtr"`
	CdtrAcct   account    `xml:"CdtrAcct"`
}

type instructed struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// WritePain001 writes m as a pain.001.001.09 XML document.
func WritePain001(w io.Writer, m *Initiation) error {
	if len(m.MessageID) > 35 {
		return fmt.Errorf("pain.001: message id %q is longer than 35 characters", m.MessageID)
	}
	if len(m.Batches) == 0 {
		return fmt.Errorf("pain.001: a message needs at least one payment")
	}
	doc := document{Xmlns: Pain001Namespace, Init: initiation{GrpHdr: groupHeader{
		MsgID: m.MessageID, CreDtTm: m.Created.UTC().Format("2006-01-02T15:04:05"), NbOfTxs: m.Count,
		CtrlSum: m.ControlSum, InitgPty: party{m.Initiator},
	}}}
	for _, b := range m.Batches {
		p := pmtInf{PmtInfID: b.ID, PmtMtd: "TRF", NbOfTxs: len(b.Transfers), CtrlSum: b.Total,
			ReqdExctnDt: b.Execution.Format("2006-01-02"), Dbtr: party{b.Debtor},
			DbtrAcct: account{ID: AccountID(b.Account), Ccy: b.Currency}, DbtrAgt: "NOTPROVIDED"}
		for _, t := range b.Transfers {
			if len(t.EndToEndID) > 35 {
				return fmt.Errorf("pain.001: end-to-end id %q is longer than 35 characters", t.EndToEndID)
			}
			p.CdtTrfTxInf = append(p.CdtTrfTxInf, creditTrans{EndToEndID: t.EndToEndID,
				Amt: instructed{Ccy: t.Currency, Value: t.Amount}, Cdtr: party{t.Creditor}, CdtrAcct: account{ID: AccountID(t.Account)}})
		}
		doc.Init.PmtInf = append(doc.Init.PmtInf, p)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// AccountID fits an account identifier into the 34 characters the schema allows: longer
// ones keep a prefix and a hash of the whole, so distinct accounts stay distinct.
func AccountID(id string) string {
	if len(id) <= 34 {
		return id
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return fmt.Sprintf("%.17s%016x", id, h.Sum64())
}
